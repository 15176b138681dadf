"""Gunicorn settings of every InnoCore web server: production (the README's command, run from
this folder, reads this file by itself) and the test suite's live servers (tests/support/live.py).

Threaded workers (``gthread``), never gunicorn's default ``sync`` worker. A sync worker accepts a
connection and then blocks in ``recv()`` until a request arrives. Chrome and Chromium open
connections ahead of need (preconnect) and may send nothing on them for a long time: each such
silent connection holds a whole sync worker until ``timeout`` kills it ("WORKER TIMEOUT" and
"Error handling request (no URI read)" in the log), and with every worker held the next real
request waits. That hung the phone kiosk journey in about one run of three (issue 14): a kiosk
tablet running Chrome against a server with no buffering proxy would do the same. A gthread
worker parks idle connections in a selector and its heartbeat runs on the main thread, so a
silent connection costs a file descriptor, not a worker.
"""

worker_class = "gthread"
threads = 4
