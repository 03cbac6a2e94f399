"""Read a cont.dat out of a delivery's ``calibration/*.auxproducts.tgz``, and nothing else.

Some deliveries ship the pipeline's cont.dat only inside that archive.  The
archive is read as a stream, never unpacked: only regular-file members named
``*cont.dat`` are read, each into memory within the text cap, and the
decompressed bytes gone through are capped too (an archive may be a
decompression bomb).  A member whose name is absolute or climbs out with
``..`` makes the archive suspect: it is refused whole.
"""
from __future__ import annotations

import io
import posixpath
import tarfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from casalog.errors import CasaLogError, shown
from casalog.output.files import MAX_TEXT_BYTES, open_regular

#: How many decompressed bytes of an archive are read at most, looking for its cont.dat.
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class ArchivedText:
    """A text file read out of an archive: ``name`` is its member name."""

    archive: str
    name: str
    text: str

    @property
    def source(self) -> str:
        """How messages name it: ``ARCHIVE:MEMBER``."""
        return f"{self.archive}:{self.name}"


def contdat_members(archive: str) -> list[ArchivedText]:
    """Every ``*cont.dat`` regular file in a tar archive (gzip-compressed or not), in archive order.

    Parameters
    ----------
    archive : str
        A regular file.

    Raises
    ------
    CasaLogError
        The archive cannot be read, expands beyond :data:`MAX_ARCHIVE_BYTES`,
        has a member with a path outside it, or a cont.dat member that is
        larger than the text cap or not UTF-8.
    """
    found = []
    with open_regular(archive) as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream = _Capped(_gunzip(raw) if compressed else raw, MAX_ARCHIVE_BYTES, archive)
        try:
            with tarfile.open(fileobj=stream, mode="r|") as tar:  # a stream: nothing is looked up out of order
                for member in tar:
                    _check_name(member.name, archive)
                    if member.isfile() and posixpath.basename(member.name).endswith("cont.dat"):
                        found.append(ArchivedText(archive, member.name, _read(tar, member, archive)))
        except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
            raise CasaLogError(f"cannot read the archive: {err}", archive) from None
    return found


def _gunzip(raw: BinaryIO) -> BinaryIO:
    import gzip

    return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]


def _check_name(name: str, archive: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (parts and parts[0].endswith(":")):
        raise CasaLogError(f"holds a member named {shown(name)}, a path outside the archive: not read", archive)


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo, archive: str) -> str:
    if member.size > MAX_TEXT_BYTES:
        raise CasaLogError(f"{member.name} is larger than {MAX_TEXT_BYTES // (1 << 20)} MB: no cont.dat", archive)
    content = tar.extractfile(member)
    assert content is not None  # a regular file member
    data = content.read(MAX_TEXT_BYTES + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CasaLogError(f"{member.name} is not UTF-8 text", archive) from None


class _Capped(io.RawIOBase):
    """A read-only stream that fails once more than ``limit`` bytes were read through it."""

    def __init__(self, stream: BinaryIO, limit: int, name: str) -> None:
        self.stream = stream
        self.left = limit
        self.name = name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.stream.read(min(len(buffer), max(self.left, 0) + 1))
        self.left -= len(data)
        if self.left < 0:
            limit = MAX_ARCHIVE_BYTES // (1 << 20)
            raise CasaLogError(f"expands beyond {limit} MB before its cont.dat: not read further", self.name)
        buffer[: len(data)] = data
        return len(data)

