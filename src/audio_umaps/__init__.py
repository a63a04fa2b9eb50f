"""audio-umaps: UMAP views of machine-sound anomaly-detection data.

The package holds the logic behind the Snakemake workflow: file-name parsing and manifests,
audio loading, representations, zarr feature stores, frame stacking, sampling, UMAP and plots.
Every module can be imported and tested without Snakemake.
"""

__version__ = "0.2.0"
