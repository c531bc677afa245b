# gunicorn settings for setpass:  gunicorn -c /etc/setpass/gunicorn.conf.py
# (needs `pip install 'moc-tui[setpass-gunicorn]'`, plus setpass-mysql or setpass-postgres for a
# database server). Serve it behind a TLS proxy (Apache mod_proxy, nginx): see the admin guide.
import os

wsgi_app = "setpass.app:create_app()"
bind = "127.0.0.1:5002"
# Several worker processes are fine: the rate limits and the PIN attempts live in the database
# (shared by every worker); each worker keeps only a small cache of admin tokens. With SQLite,
# every write waits for the one writer: use MariaDB/MySQL or PostgreSQL for more than a few.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = 4
# The app is built once in the master: it migrates the database schema before any worker forks.
preload_app = True
timeout = 30
# Access log WITHOUT the query string (the link token is in it): %(U)s is the path only.
# %(p)s is the worker's pid.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss pid=%(p)s'
# Behind Apache/nginx on the same host; matches proxy_count = 1 in setpass.conf.
forwarded_allow_ips = "127.0.0.1"
raw_env = ["SETPASS_CONFIG=/etc/setpass/setpass.conf"]
