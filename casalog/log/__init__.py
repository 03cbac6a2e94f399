"""Reading a pipeline casa_commands.log: calls, image products, selections."""
from __future__ import annotations

from casalog.log.products import OtherImage, Product, images, products
from casalog.log.reader import LoggedCall, Stage, read_log

__all__ = ["LoggedCall", "OtherImage", "Product", "Stage", "images", "products", "read_log"]
