"""Imported first by a sweep pool's fork server, only there (``worker_threads``): importing it
sets one thread per runtime in the importing process."""

from hicsim.worker_threads import set_single_thread_env

set_single_thread_env()
