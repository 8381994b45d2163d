"""Exit 0 when the PostgreSQL URL given as argv[1] accepts a connection (used by scripts/test)."""
import sys

import psycopg

url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
try:
    with psycopg.connect(url, connect_timeout=3) as conn:
        conn.execute("select 1")
except psycopg.Error as exc:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {exc}", file=sys.stderr)
    sys.exit(1)
