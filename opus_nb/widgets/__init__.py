"""Notebook displays: the disposal review panel and the validation report's grouped view.

>>> panel = opus.review(due)                                # the panel (opus_nb.widgets.panel)  # doctest: +SKIP
>>> from opus_nb.widgets.validation_view import report_html # plain HTML, no widgets              # doctest: +SKIP

Submodules are imported on use, so showing a validation report never loads ipywidgets.
"""
