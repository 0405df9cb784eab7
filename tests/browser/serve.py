"""The browser tests' live server, run in a process of its own.

``python -m tests.browser.serve PORT CONFIG_JSON`` builds the app with
``create_app(config)``, serves it with werkzeug on 127.0.0.1:PORT (0: any free
port) and prints the port it bound on its first line.  Everything it logs, at
every level, goes to its standard error (which ``LiveServer`` keeps in a file,
for tests that read what the server logged).  In a process of its
own the app is the only one of its process, as in production: nothing the
test worker did before (other apps, Dash's registries, patched modules) can
reach the pages the browser is shown.
"""

from __future__ import annotations

import json
import logging
import sys

from werkzeug.serving import make_server


def main(argv: list[str]) -> int:
    port, config = int(argv[0]), json.loads(argv[1])
    from dashboard import create_app

    app = create_app(config)
    root = logging.getLogger()
    root.addHandler(logging.StreamHandler(sys.stderr))
    root.setLevel(logging.DEBUG)
    server = make_server("127.0.0.1", port, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
