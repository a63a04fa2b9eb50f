"""Fit a 2-D UMAP to one sample (rule umap). Not named umap.py, which would shadow umap-learn."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))
from audio_umaps import embedding, runlog, store, tables  # noqa: E402

log = runlog.start(snakemake.log[0])
sample = tables.read_tsv(snakemake.input.sample)
store.flag_random_weights(log, sample["store"].unique())
result = embedding.embed(sample, snakemake.params.umap, threads=snakemake.threads)
result.to_csv(snakemake.output[0], sep="\t", index=False)
log.info("embedded %d windows", len(result))
