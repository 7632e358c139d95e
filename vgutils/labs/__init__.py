"""The machinery of single chapters: one module per chapter topic.

Each module serves one or two chapters (the chapter imports it by name, e.g.
``from vgutils.labs import saturation`` and then ``saturation.per_layer_factor(...)``):

- ``activations``: activation functions and their derivatives in NumPy (chapters 2 and 4);
- ``saturation``: saturation, backward signals and plain SGD watched step by step (2 and 3);
- ``variance``: the variance argument behind initialisation, in NumPy (4 and 5);
- ``clipping``: clipping by hand and a full-batch loop that records what clipping did (7);
- ``optim``: optimisers compared on full-batch descent (8 and 9);
- ``recurrent``: gradients through time of a plain recurrence, and gate values (10 and 11);
- ``widgets``: the interactive explorers beside the static figures (2, 5 and 7);
- ``answers``: the exercises' answer keys, one module per chapter, behind
  ``answers.check("5.1", answer_1)`` (every chapter).

These modules may import the toolkit (``vgutils.data``, ``vgutils.gradients``, ...); the
toolkit never imports them (tests/test_layout.py checks the direction).
"""

__all__ = ["activations", "saturation", "variance", "clipping", "optim", "recurrent",
           "widgets", "answers"]
