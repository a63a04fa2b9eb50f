"""A scope's audio clips and their table (rule explore_clips)."""

from audio_umaps import explore, runlog

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
maps = explore.read_maps(
    p.maps,
    snakemake.input.umaps,
    snakemake.input.statuses,
    w.scope,
    sample_rate=p.audio["sample_rate"],
    representation_params=p.representation_params,
    log=log,
)
clips = explore.write_scope_clips(
    snakemake.output[0], maps, margin=p.margin, audio_config=p.audio, bitrate=p.bitrate, threads=snakemake.threads
)
log.info("%d clips of %d files (%d without one)", (clips["clip"] != "").sum(), len(clips), (clips["clip"] == "").sum())
