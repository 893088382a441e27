import sys

from heartbeat_cli.root import main

sys.exit(main())
