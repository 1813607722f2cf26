"""Run the emulator standalone: ``python -m emulator --port 8071 --tls-port 8072``."""

import argparse
import logging
import signal
import threading

from .core import Emulator


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument("--tls-port", type=int, default=8072)
    parser.add_argument("--cert-dir", default=None, help="reuse (or create) the CA kept here")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    emulator = Emulator(args.host, args.port, tls_port=args.tls_port, cert_dir=args.cert_dir)
    url = emulator.start()
    print(
        f"emulator listening on {url} (google: {url}/google, microsoft: {url}/microsoft)",
        flush=True,
    )
    print(
        f"emulator listening on {emulator.tls_base_url} (HTTPS, trust {emulator.ca_file})",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    emulator.stop()


if __name__ == "__main__":
    main()
