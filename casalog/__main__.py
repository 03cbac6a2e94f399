from __future__ import annotations

from casalog.commands.main import main

raise SystemExit(main())
