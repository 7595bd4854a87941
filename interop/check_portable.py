"""Reads casewindow's codebook with portableQDA and writes it again, for the round trip.

check_portable.py IN OUT: portableQDA must read IN without an error and find the six patterns
as its top-level codes (portableQDA does not model nested codes; it keeps them in the file it
writes), then write OUT.
"""

import logging
import sys

from portableqda import codebookCls

logging.disable(logging.WARNING)
source, target = sys.argv[1], sys.argv[2]
codebook = codebookCls(output=target)
codebook.readQdcFile(input=source)
names = sorted(codebook.codes)
numbers = sorted(name.split(".")[0] for name in names)
if numbers != ["1", "2", "3", "4", "5", "6"]:
    print(f"interop: portableQDA read the top-level codes {names}, not the six patterns", file=sys.stderr)
    sys.exit(1)
codebook.writeQdcFile()
print(f"interop: portableQDA read the six patterns and wrote {target}")
