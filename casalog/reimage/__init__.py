"""Planning the scripts we write: the manual tclean script and the guide's pipeline recipes."""
from __future__ import annotations
