"""The index of every scope's explorer pages (rule explore_index)."""

from audio_umaps import explore, runlog

log = runlog.start(snakemake.log[0])
scopes = explore.read_scopes(snakemake.input.scopes)
with open(snakemake.output.index, "w", encoding="utf-8") as handle:
    handle.write(explore.index_html(scopes))
with open(snakemake.output.scopes, "w", encoding="utf-8") as handle:
    handle.write(explore.scopes_js(scopes))
log.info("indexed %d scopes", len(scopes))
