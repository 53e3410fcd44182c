"""A live `smsr serve` for the benchmark scripts: a free loopback port, and the wait for /readyz."""

import contextlib
import http.client
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_ready(port, seconds=120):
    """Polls /readyz until it answers 200; exits the script if it has not within `seconds`."""
    deadline = time.time() + seconds
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit("smsr serve did not get ready")
        time.sleep(0.5)


@contextlib.contextmanager
def serving(binary, *options):
    """`smsr serve` on a free port with `options`, ready; yields the port and stops the server (SIGTERM) after."""
    port = free_port()
    server = subprocess.Popen([binary, "serve", "--port", str(port), "--log-level", "warning", *options],
                              stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(port)
        yield port
    finally:
        server.terminate()
        server.wait()
