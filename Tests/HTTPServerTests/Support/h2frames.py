#!/usr/bin/env python3
"""Frame-level HTTP/2 client for the server's protocol-error and attack tests.

    h2frames.py SCENARIO PORT [N]

Writes raw frames (hyperframe, hpack) that a well-behaved client library would refuse to send, reads
until the server closes the connection or stays quiet for a while, and prints one JSON object: the
GOAWAY it got (error code, last stream id), the streams it reset, and the responses per stream. Before
the attack a second, well-behaved connection is opened and served once; after it, that bystander is
served again, so the output says whether other connections kept being served.
"""
import json
import socket
import sys

from hpack import Encoder, Decoder
from hyperframe.frame import (
    ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame, RstStreamFrame,
    SettingsFrame, WindowUpdateFrame,
)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
QUIET = 3.0  # seconds without a byte after which the server is taken to have nothing more to say


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.encoder = Encoder()
        self.decoder = Decoder()
        self.buffer = b""
        self.goaway = None
        self.resets = {}
        self.responses = {}
        self.data = {}
        self.closed = False
        self.pings = 0
        self.settings_acks = 0
        self.windows = {0: 65535}  # what the server lets this client send, by stream (0: the connection)
        self.initial_window = 65535

    def send(self, *frames):
        try:
            self.sock.sendall(b"".join(f.serialize() if isinstance(f, Frame) else f for f in frames))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server has already given up on this connection; what it said is still read

    def handshake(self):
        self.send(PREFACE, SettingsFrame(0))

    def block(self, headers):
        return self.encoder.encode(headers)

    def request(self, stream_id, path="/", method="GET", extra=(), end_stream=True):
        headers = [(":method", method), (":path", path), (":scheme", "http"), (":authority", "test")] + list(extra)
        flags = ["END_HEADERS"] + (["END_STREAM"] if end_stream else [])
        return HeadersFrame(stream_id, self.block(headers), flags=flags)

    def read_frame(self, timeout):
        self.sock.settimeout(timeout)
        while True:
            if len(self.buffer) >= 9:
                header, length = Frame.parse_frame_header(memoryview(self.buffer[:9]))
                if len(self.buffer) >= 9 + length:
                    header.parse_body(memoryview(self.buffer[9:9 + length]))
                    self.buffer = self.buffer[9 + length:]
                    return header
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.closed = True
                return None
            self.buffer += chunk

    def note(self, frame):
        if isinstance(frame, GoAwayFrame):
            self.goaway = {"error_code": frame.error_code, "last_stream_id": frame.last_stream_id}
        elif isinstance(frame, RstStreamFrame):
            self.resets[frame.stream_id] = frame.error_code
        elif isinstance(frame, HeadersFrame):
            fields = dict((k.decode() if isinstance(k, bytes) else k, v.decode() if isinstance(v, bytes) else v)
                          for k, v in self.decoder.decode(frame.data))
            if fields.get(":status", "").startswith("1"):
                return
            self.responses[frame.stream_id] = int(fields[":status"])
        elif isinstance(frame, DataFrame):
            self.data[frame.stream_id] = self.data.get(frame.stream_id, 0) + len(frame.data)
            if frame.data:  # keep the server's windows open for what it sends back
                self.send(WindowUpdateFrame(0, len(frame.data)), WindowUpdateFrame(frame.stream_id, len(frame.data)))
        elif isinstance(frame, PingFrame) and "ACK" in frame.flags:
            self.pings += 1
        elif isinstance(frame, SettingsFrame) and "ACK" in frame.flags:
            self.settings_acks += 1
        elif isinstance(frame, SettingsFrame):
            size = frame.settings.get(SettingsFrame.INITIAL_WINDOW_SIZE)
            if size is not None:
                for stream_id in self.windows:
                    if stream_id:
                        self.windows[stream_id] += size - self.initial_window
                self.initial_window = size
            self.send(SettingsFrame(0, flags=["ACK"]))
        elif isinstance(frame, WindowUpdateFrame):
            self.windows[frame.stream_id] = self.windows.get(frame.stream_id, self.initial_window) + frame.window_increment

    def upload(self, stream_id, body):
        """Sends `body` on `stream_id` in DATA frames within the server's flow-control windows."""
        self.windows.setdefault(stream_id, self.initial_window)
        while body and not self.closed:
            n = min(16384, len(body), self.windows[0], self.windows[stream_id])
            if n <= 0:
                frame = self.read_frame(QUIET)
                if frame is None:
                    return
                self.note(frame)
                continue
            self.send(DataFrame(stream_id, body[:n], flags=["END_STREAM"] if n == len(body) else []))
            self.windows[0] -= n
            self.windows[stream_id] -= n
            body = body[n:]

    def drain(self, until=lambda c: False, quiet=QUIET):
        """Reads frames until the connection closes, `until` holds, or nothing comes for `quiet` seconds."""
        while not self.closed and not until(self):
            frame = self.read_frame(quiet)
            if frame is None:
                break
            self.note(frame)

    def summary(self):
        return {
            "goaway": self.goaway, "resets": {str(k): v for k, v in self.resets.items()},
            "responses": {str(k): v for k, v in self.responses.items()},
            "data": {str(k): v for k, v in self.data.items()}, "closed": self.closed,
            "pings": self.pings, "settings_acks": self.settings_acks,
        }


def served(c, stream_id, path="/bystander"):
    c.send(c.request(stream_id, path))
    c.drain(until=lambda c: stream_id in c.responses and stream_id in c.data or c.goaway is not None)
    return c.responses.get(stream_id)


def attack(name, c, n):
    if name == "rapid_reset":
        c.send(*[f for i in range(n) for f in (c.request(2 * i + 1), RstStreamFrame(2 * i + 1, error_code=8))])
    elif name == "made_you_reset":
        # An upper-case field name is malformed (RFC 9113 §8.2.1): each such request is reset by the server.
        c.send(*[c.request(2 * i + 1, extra=[("X-Upper", "1")]) for i in range(n)])
    elif name == "continuation_flood":
        c.send(HeadersFrame(1, c.block([(":method", "GET"), (":path", "/"), (":scheme", "http")])))
        c.send(*[ContinuationFrame(1, c.block([("x-c", str(i))])) for i in range(n)])
    elif name == "settings_flood":
        c.send(*[SettingsFrame(0, settings={SettingsFrame.INITIAL_WINDOW_SIZE: 65535}) for _ in range(n)])
    elif name == "ping_flood":
        c.send(*[PingFrame(0, opaque_data=i.to_bytes(8, "big")) for i in range(n)])
    elif name == "header_bomb":
        # One 4,000-byte field enters the dynamic table, then n one-byte references repeat it.
        block = c.block([(":method", "GET"), (":path", "/"), (":scheme", "http"), (":authority", "test"),
                         ("x-big", "a" * 4000)])
        c.send(HeadersFrame(1, block + bytes([0x80 | 62]) * n, flags=["END_HEADERS", "END_STREAM"]))
    elif name == "large_headers":
        # Over the header limit but no bomb: 431 on the stream, and the connection goes on.
        c.send(c.request(1, extra=[("x-large-%d" % i, "b" * 1000) for i in range(n)]))
        c.drain(until=lambda c: 1 in c.responses)
        c.send(c.request(3, "/after"))
        c.drain(until=lambda c: 3 in c.responses and 3 in c.data)
        return
    elif name == "protocol_error":
        # DATA on stream 0 is a connection error (written by hand: hyperframe will not build it).
        c.send(bytes([0, 0, 1, 0x0, 0, 0, 0, 0, 0]) + b"x")
    elif name == "even_stream":
        c.send(c.request(2))  # clients use odd stream ids
    elif name == "bad_first_frame":
        c.sock.sendall(PREFACE + PingFrame(0).serialize())  # the first frame must be SETTINGS
        c.drain()
        return
    elif name == "oversized_body":
        # No content-length: the server finds out from the DATA frames, answers 413, resets the stream.
        c.send(c.request(1, "/upload", "POST", end_stream=False))
        for _ in range(n):
            c.send(DataFrame(1, b"z" * 1000))
        c.drain(until=lambda c: 1 in c.responses and 1 in c.resets)
        c.send(c.request(3, "/after"))
        c.drain(until=lambda c: 3 in c.responses and 3 in c.data)
        return
    elif name == "declared_too_large":
        c.send(c.request(1, "/upload", "POST", extra=[("content-length", str(n))], end_stream=False))
        c.drain(until=lambda c: 1 in c.responses and 1 in c.resets)
        c.send(c.request(3, "/after"))
        c.drain(until=lambda c: 3 in c.responses and 3 in c.data)
        return
    else:
        raise SystemExit("unknown scenario " + name)
    c.drain()


def uploads(port, directory, files):
    """POSTs every file to /v1/upscale at once, each on its own stream of one connection, with the h2
    library as the client; writes each answer to DIRECTORY/INDEX and prints the statuses in order."""
    import h2.config
    import h2.connection
    import h2.events

    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    index, unsent, bodies, statuses = {}, {}, {}, {}
    for i, path in enumerate(files):
        body = open(path, "rb").read()
        stream_id = conn.get_next_available_stream_id()
        conn.send_headers(stream_id, [(":method", "POST"), (":path", "/v1/upscale"), (":scheme", "http"),
                                      (":authority", "test"), ("content-type", "image/png"),
                                      ("content-length", str(len(body)))])
        index[stream_id], unsent[stream_id], bodies[stream_id] = i, body, b""
    ended = set()
    while len(ended) < len(files):
        for stream_id, body in list(unsent.items()):
            while body:
                window = min(conn.local_flow_control_window(stream_id), conn.max_outbound_frame_size)
                if window <= 0:
                    break
                conn.send_data(stream_id, body[:window])
                body = body[window:]
            unsent[stream_id] = body
            if not body:
                conn.end_stream(stream_id)
                del unsent[stream_id]
        sock.sendall(conn.data_to_send())
        data = sock.recv(65536)
        if not data:
            break
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                statuses[event.stream_id] = int(dict(event.headers)[":status"])
            elif isinstance(event, h2.events.DataReceived):
                bodies[event.stream_id] += event.data
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset)):
                ended.add(event.stream_id)
        sock.sendall(conn.data_to_send())
    for stream_id, i in index.items():
        with open("%s/%d" % (directory, i), "wb") as f:
            f.write(bodies[stream_id])
    print(json.dumps({"statuses": [statuses.get(s) for s in sorted(index, key=index.get)]}))


def main():
    name, port = sys.argv[1], int(sys.argv[2])
    if name == "uploads":
        uploads(port, sys.argv[3], sys.argv[4:])
        return
    if name == "in_flight_upload":
        # The PNG file argv[3] to /v1/upscale on stream 1; then everything the server says until it closes
        # (raw frames: the h2 library stops reading at the first GOAWAY, even a graceful one).
        c = Connection(port)
        c.handshake()
        c.send(c.request(1, "/v1/upscale", "POST", end_stream=False,
                         extra=[("content-type", "image/png"), ("x-request-id", "in-flight-h2")]))
        c.upload(1, open(sys.argv[3], "rb").read())
        print("uploaded", flush=True)
        c.drain(quiet=60)
        print(json.dumps(c.summary()))
        return
    if name == "upload_reset":
        # Uploads the PNG file argv[3], waits for a line on standard input (the test saw the job queued),
        # resets the stream, then asks for /healthz on the same connection.
        body = open(sys.argv[3], "rb").read()
        c = Connection(port)
        c.handshake()
        c.send(c.request(1, "/v1/upscale", "POST", end_stream=False,
                         extra=[("content-type", "image/png"), ("x-request-id", "reset-me")]),
               DataFrame(1, body, flags=["END_STREAM"]))
        sys.stdin.readline()
        c.send(RstStreamFrame(1, error_code=8), c.request(3, "/healthz"))
        c.drain(until=lambda c: 3 in c.responses and 3 in c.data)
        print(json.dumps(c.summary()))
        return
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if name == "in_flight":
        # One slow request; the server shuts down meanwhile: GOAWAY, the answer, then the close.
        c = Connection(port)
        c.handshake()
        c.send(c.request(1, "/slow"))
        c.drain(quiet=20)
        print(json.dumps(c.summary()))
        return
    bystander = Connection(port)
    bystander.handshake()
    before = served(bystander, 1)
    c = Connection(port)
    if name != "bad_first_frame":
        c.handshake()
    attack(name, c, n)
    after = served(bystander, 3)
    out = c.summary()
    out["bystander"] = [before, after]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
