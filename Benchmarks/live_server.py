"""A live `smsr serve` for the benchmark scripts: a free loopback port, and the wait for /readyz."""

import http.client
import socket
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
