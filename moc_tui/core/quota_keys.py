"""The quota names each OpenStack service knows, and the misspellings the original accepted."""

from __future__ import annotations

COMPUTE, NETWORK, VOLUME = "compute", "network", "volume"

QUOTA_SERVICE: dict[str, str] = {
    # Nova
    "instances": COMPUTE,
    "cores": COMPUTE,
    "ram": COMPUTE,
    "key_pairs": COMPUTE,
    "metadata_items": COMPUTE,
    "injected_files": COMPUTE,
    "injected_file_content_bytes": COMPUTE,
    "injected_file_path_bytes": COMPUTE,
    "server_groups": COMPUTE,
    "server_group_members": COMPUTE,
    # Neutron
    "network": NETWORK,
    "subnet": NETWORK,
    "subnetpool": NETWORK,
    "port": NETWORK,
    "router": NETWORK,
    "floatingip": NETWORK,
    "security_group": NETWORK,
    "security_group_rule": NETWORK,
    "rbac_policy": NETWORK,
    # Cinder
    "volumes": VOLUME,
    "snapshots": VOLUME,
    "gigabytes": VOLUME,
    "backups": VOLUME,
    "backup_gigabytes": VOLUME,
    "per_volume_gigabytes": VOLUME,
}

# Keys the original example settings.ini spelled wrongly; still accepted, with a warning.
QUOTA_ALIASES: dict[str, str] = {
    "per_volume_gigabyte": "per_volume_gigabytes",
    "inject_file_path_bytes": "injected_file_path_bytes",
}

# The quotas the MOC quota form asks for, in its order (RAM in GB there, MB in the services).
QUOTA_FORM_FIELDS = (
    "instances",
    "cores",
    "ram",
    "floatingip",
    "network",
    "port",
    "volumes",
    "snapshots",
    "gigabytes",
)
