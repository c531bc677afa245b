"""The operator's whole path, as deployed: ssh with the operator's key into the helpdesk
account, the forced command, the TUI, `sudo` to the backend, and one request provisioned
against the real Keystone, setpass and SMTP server (tmux gives the session a real terminal)."""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Iterator

import pytest

from moc_tui.core.settings import load_settings
from moc_tui.core.sheets import open_store
from moc_tui.devstack.keystone import LocalKeystone
from moc_tui.devstack.mail_sink import MailSink
from moc_tui.devstack.quota_service import QuotaService
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import SetpassServer
from tests.fixtures.sshd import HelpdeskHost, deployed_host, fill_sheet
from tests.sample_rows import access_row
from tests.tab_names import ACCESS_DONE, FORM

pytestmark = [pytest.mark.e2e, pytest.mark.keystone]


@pytest.fixture(scope="module")
def host() -> Iterator[HelpdeskHost]:
    yield from deployed_host()


def point_at_the_stack(
    host: HelpdeskHost, keystone: LocalKeystone, setpass: SetpassServer, mail: MailSink
) -> None:
    """The service user's settings.ini, aimed at this test's real services."""
    layout = host.layout
    ca_file = layout.config_dir / "mail-ca.pem"
    shutil.copy(mail.ca_file, ca_file)
    admin = keystone.admin_credentials()
    layout.settings.write_text(
        f"[auth]\nauth_url = {keystone.auth_url}\nadmin_user = {admin['username']}\n"
        f"admin_pwd = {admin['password']}\nadmin_project = {admin['project_name']}\n"
        f"[setpass]\nsetpass_url = {setpass.url}\n"
        f"[excelsheet]\nlocal_store = {layout.state_dir}/access-sheet.db\n"
        f"[smtp]\nhost = {mail.host}\nport = {mail.port}\nca_file = {ca_file}\n"
        f"[state]\ndirectory = {layout.state_dir}\n"
        "[email_defaults]\nsender = cloud-support@example.org\n",
        encoding="utf-8",
    )
    for path in (layout.settings, ca_file):
        shutil.chown(path, layout.service_user, layout.service_user)
    layout.settings.chmod(0o600)
    (layout.state_dir / "access-sheet.db").unlink(missing_ok=True)


def read_tabs_as_root(host: HelpdeskHost) -> dict[str, list[list[str]]]:
    layout = host.layout
    owner = layout.settings.stat()
    os.chown(layout.settings, 0, 0)  # load_settings wants the file to be the reader's own
    try:
        store = open_store(load_settings(layout.settings).access_sheet)
        return store.read_tabs([FORM, ACCESS_DONE])
    finally:
        os.chown(layout.settings, owner.st_uid, owner.st_gid)


def test_an_operator_provisions_a_request_over_ssh(
    host: HelpdeskHost,
    keystone: LocalKeystone,
    quota_service: QuotaService,
    setpass_server: SetpassServer,
    mail_sink: MailSink,
    keystone_admin: KeystoneAdmin,
) -> None:
    suffix = os.urandom(4).hex()
    email = f"ssh.{suffix}@example.org"
    point_at_the_stack(host, keystone, setpass_server, mail_sink)
    fill_sheet(host.layout, [access_row(email=email, new_project=f"ssh-{suffix}")])

    session = host.open_terminal(" ".join(shlex.quote(a) for a in host.ssh_args("-tt")))
    host.wait_screen(session, "pending rows: 1", timeout=60)
    host.tmux("send-keys", "-t", session, "Space")
    host.wait_screen(session, "1 selected")
    host.tmux("send-keys", "-t", session, "p")
    host.wait_screen(session, "Provision 1", timeout=60)
    host.tmux("send-keys", "-t", session, "y")
    host.wait_screen(session, "finished: 1 done", timeout=120)
    host.tmux("send-keys", "-t", session, "Escape")
    host.wait_screen(session, "/ Filter")
    host.tmux("send-keys", "-t", session, "q")
    host.wait_screen(session, "SSH-EXIT=0")

    tabs = read_tabs_as_root(host)
    assert [row[4] for row in tabs[ACCESS_DONE][1:]] == [email]
    assert len(tabs[FORM]) == 1
    [user] = keystone_admin.client.users.list(name=email, domain="default")
    keystone_admin.cleanup(user)
    [project] = keystone_admin.client.projects.list(name=f"ssh-{suffix}", domain="default")
    keystone_admin.cleanup(project)
    mails = mail_sink.wait_for(3)
    assert {str(m.message["Subject"]) for m in mails} == {
        "Welcome to the cloud",
        "Choose your cloud password",
        "Your new cloud project",
    }
    [link_mail] = [m for m in mails if m.message["Subject"] == "Choose your cloud password"]
    assert f"{setpass_server.url}?token=" in link_mail.text
