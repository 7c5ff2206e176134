"""Pure rules of apparel production: no I/O, no framework imports, time passed in."""
