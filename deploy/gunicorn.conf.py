"""gunicorn as Junkan's web server runs in production (Dockerfile, docker-compose.yml):
`gunicorn cs_platform.wsgi --config deploy/gunicorn.conf.py`.

Why these values (measured with bench/bench_pages.py on the 2-core machine that also runs
PostgreSQL and Redis; docs/scaling.md has the figures):

- Sync workers. A page view is CPU in Python (templates, the ORM) plus a few milliseconds
  waiting on PostgreSQL and Redis; threads (gthread) only share one interpreter lock, so they
  added no requests/s and a longer tail. Nothing here streams or holds a connection open.
- One worker per core plus one (3 on 2 cores): the extra worker uses the CPU while another
  waits on the database. Two left the cores idle during those waits; four and six cost more
  CPU per request (more processes contending for the same caches) and served fewer requests.
  On a machine whose database runs elsewhere, try 2 x cores + 1 (`WEB_CONCURRENCY`).
  Measured again with the paced phase (2026-11-30, loaded): 2/3/4 sync workers and gthread
  served within the spread of each other; gthread had the longest tail; 3 sync stay.
- The app's start-up objects are frozen out of the garbage collector in cs_platform/wsgi.py
  (any server), so nothing here needs a hook for it.
- gunicorn, not a server with a compiled HTTP parser: granian (Rust) and uWSGI (C) served
  the same pages at the same CPU per view, within the spread between rounds (gunicorn's own
  request handling is about 5% of a worker's CPU); gunicorn needs no compiler or toolchain.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
# A request that runs this long is stuck and its worker is replaced (gunicorn's default; the
# pages answer in tens of milliseconds, long work runs in Celery).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
