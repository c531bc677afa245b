# gunicorn settings for setpass:  gunicorn -c /etc/setpass/gunicorn.conf.py
# (needs `pip install gunicorn`; app from config/setpass.wsgi or the module path below)
wsgi_app = "setpass.app:create_app()"
bind = "127.0.0.1:5002"
# One worker with threads: the per-client rate limit lives in one process's memory.
workers = 1
threads = 5
timeout = 30
# Access log WITHOUT the query string (the link token is in it): %(U)s is the path only.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
# Behind Apache/nginx on the same host; matches proxy_count = 1 in setpass.conf.
forwarded_allow_ips = "127.0.0.1"
raw_env = ["SETPASS_CONFIG=/etc/setpass/setpass.conf"]
