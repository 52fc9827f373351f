"""Runners: the pipeline that drives the stages, worker pools, the Dask cluster, feed tracking and fetching."""
