"""What the Python clients of the e2e tests share (driven by e2e/helpers.ts runPythonClient).

A client reads one JSON line of settings on stdin, runs its cases in turn and
writes one JSON line per case on stdout. When a case needs a person at a
browser it writes {"ask": ...} and reads the answer (one JSON line) on stdin.

connect_to_lab() does in-process what a hosts file does for a device: every
connection to an emulated host name on port 443 reaches the lab's front door,
TLS still naming the real host (SNI), and only the lab's CA is trusted. The
client library under test runs unchanged, with its own HTTP stack (requests).
"""
import base64
import json
import os
import sys
import traceback

import urllib3.util.connection


def connect_to_lab(settings):
    names = set(settings["hostNames"])
    port = settings["frontDoorPort"]
    original = urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        host, host_port = address
        if host in names and host_port == 443:
            address = ("127.0.0.1", port)
        elif host not in ("127.0.0.1", "localhost"):
            raise OSError("the e2e clients talk to the lab only, not to " + host)
        return original(address, *args, **kwargs)

    urllib3.util.connection.create_connection = create_connection
    os.environ["REQUESTS_CA_BUNDLE"] = settings["caPath"]
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        os.environ.pop(name, None)


def claims_of(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def ask(question):
    print(json.dumps({"ask": question}), flush=True)
    return json.loads(sys.stdin.readline())


def run_cases(cases):
    """Runs (name, function) pairs; each result, or the exception it raised, goes to stdout."""
    for name, fn in cases:
        try:
            result = {"ok": fn()}
        except Exception as error:  # reported to the test, which fails on it
            result = {"exception": "%s: %s" % (type(error).__name__, error), "trace": traceback.format_exc()}
        print(json.dumps({"case": name, "result": result}), flush=True)


def read_settings():
    return json.loads(sys.stdin.readline())
