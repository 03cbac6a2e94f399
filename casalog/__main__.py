from __future__ import annotations

from casalog.cli import main

raise SystemExit(main())
