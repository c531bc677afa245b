# WSGI entry point for Apache mod_wsgi (WSGIScriptAlias) or any WSGI server.
# The config is found via $SETPASS_CONFIG, else /etc/setpass/setpass.conf, else /etc/setpass.conf.
# With mod_wsgi, environment variables from SetEnv are not in os.environ; use the default paths,
# or uncomment the next two lines.
# import os
# os.environ.setdefault("SETPASS_CONFIG", "/etc/setpass/setpass.conf")
from setpass.app import create_app

application = create_app()
