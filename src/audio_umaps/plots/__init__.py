"""Static plots in the style of Fernandez & Plumbley (DCASE 2021).

* global (:mod:`.global_map`): a dual plot of every device: normal test windows left,
  anomalous ones right (a third panel for unlabelled evaluation windows), training windows as
  shadows, external datasets fainter shadows beneath;
* device (:mod:`.device`): the same for one device, coloured by section and domain, or by a
  system's anomaly scores (:mod:`.scores`, config key ``plots.colour_by_system``);
* section (:mod:`.section`): one section, a colour per test file, the approximate origin;
* folder (:mod:`.folder`): runs without DCASE data, a colour per sub-folder or dataset;
* a note (:func:`note_figure`) in place of a map that could not be drawn.

Every colour that means something comes from :mod:`audio_umaps.palette` (the explorer's
too); sizes and opacities from :mod:`.style`; the density shading of shadows is
:mod:`.shadows`, legend entries :mod:`.legends`, the figures' frame :mod:`.layout`; the
metrics summary's figures are :mod:`.metrics`.

Layout, in the style of umap-learn's ``umap/plot.py``: panel functions (``plot_*``) draw on a
given :class:`matplotlib.axes.Axes` and return it; handle functions (``*_handles``) give the
legend entries that go with them; figure builders (``*_figure``) compose panels, legend and
title into a :class:`matplotlib.figure.Figure` and save nothing: :func:`save` (or
:func:`write_map`) writes it.
"""

from .device import device_figure, device_handles, device_panels, plot_device_panel
from .folder import folder_figure, folder_handles, plot_folder
from .global_map import global_figure, global_handles, global_panels, plot_global_panel
from .layout import note_figure, save, title, write_map
from .section import (
    file_names,
    origin_cross,
    plot_section_panel,
    section_figure,
    section_handles,
    section_note,
    section_panels,
)

__all__ = [
    "device_figure",
    "device_handles",
    "device_panels",
    "plot_device_panel",
    "folder_figure",
    "folder_handles",
    "plot_folder",
    "global_figure",
    "global_handles",
    "global_panels",
    "plot_global_panel",
    "note_figure",
    "save",
    "title",
    "write_map",
    "file_names",
    "origin_cross",
    "plot_section_panel",
    "section_figure",
    "section_handles",
    "section_note",
    "section_panels",
]
