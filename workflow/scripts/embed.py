"""Fit a 2-D UMAP to one sample (rule umap). Not named umap.py, which would shadow umap-learn."""
from audio_umaps import embedding, runlog, tables

log = runlog.start(snakemake.log[0])
sample = tables.read_tsv(snakemake.input.sample)
tables.warn_flagged(log, sample)
result = embedding.embed(sample, snakemake.params.umap, threads=snakemake.threads,
                         stores=snakemake.input.stores)
result.to_csv(snakemake.output[0], sep="\t", index=False)
log.info("embedded %d windows", len(result))
