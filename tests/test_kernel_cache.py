"""The kernel-cache guard: cached kernels survive while the kernel sources are unchanged and are
deleted when any of them changes (numba alone would keep stale code compiled in from other files)."""

import subprocess
import sys

from hicsim import kernel_cache


def _package(tmp_path):
    for sub in kernel_cache.KERNEL_DIRS:
        (tmp_path / sub / "__pycache__").mkdir(parents=True)
        (tmp_path / sub / "mod.py").write_text(f"import numba  # {sub}\n")
        (tmp_path / sub / "plain.py").write_text("# no kernels here\n")
        (tmp_path / sub / "__pycache__" / "mod.f-1.py311.nbi").write_text("index")
        (tmp_path / sub / "__pycache__" / "mod.f-1.py311.1.nbc").write_text("code")
        (tmp_path / sub / "__pycache__" / "mod.cpython-311.pyc").write_text("bytecode")
    return tmp_path


def _cached(package):
    return sorted(p.name for sub in kernel_cache.KERNEL_DIRS
                  for p in (package / sub / "__pycache__").glob("*.nb?"))


def test_unchanged_sources_keep_the_cache_and_a_changed_one_clears_it(tmp_path):
    package = _package(tmp_path)
    assert kernel_cache.ensure_fresh(package)  # no stamp yet: cleared, stamped
    for sub in kernel_cache.KERNEL_DIRS:
        (package / sub / "__pycache__" / "mod.f-1.py311.nbi").write_text("recompiled")
    assert not kernel_cache.ensure_fresh(package)
    assert len(_cached(package)) == 2
    (package / "generation" / "plain.py").write_text("# edited, still no kernels\n")
    assert not kernel_cache.ensure_fresh(package)
    (package / "generation" / "mod.py").write_text("import numba  # edited\n")
    assert kernel_cache.ensure_fresh(package)
    assert _cached(package) == []
    assert (package / "kernels" / "__pycache__" / "mod.cpython-311.pyc").exists()  # not numba's
    assert not kernel_cache.ensure_fresh(package)


def test_importing_hicsim_loads_no_kernel_and_touches_no_cache():
    """The guard runs where the kernels load, not as a side effect of ``import hicsim``."""
    code = ("import sys, hicsim; print(sorted(m for m in ('numba', 'hicsim.kernels', "
            "'hicsim.kernel_cache', 'hicsim.generation.kernel') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_installed_stamp_matches_the_sources():
    """Loading the kernels ran the guard: the stamp now names the current sources."""
    import hicsim.kernels  # noqa: F401
    stamp = kernel_cache.PACKAGE / "kernels" / "__pycache__" / kernel_cache.STAMP
    assert stamp.read_text() == kernel_cache.sources_digest()
