"""Rewrites a jar without log4j's JndiLookup class (the CVE-2021-44228 mitigation)."""
import os
import sys
import zipfile

VICTIM = "org/apache/logging/log4j/core/lookup/JndiLookup.class"

for jar in sys.argv[1:]:
    tmp = jar + ".tmp"
    with zipfile.ZipFile(jar) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for entry in src.infolist():
            if entry.filename != VICTIM:
                dst.writestr(entry, src.read(entry.filename))
    os.replace(tmp, jar)
    with zipfile.ZipFile(jar) as check:
        assert VICTIM not in check.namelist(), f"{VICTIM} still in {jar}"
