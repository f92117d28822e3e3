"""framelens: measure media bias and framing per outlet and per voice.

The import package is ``analysis``; the distribution and command are ``framelens``.
Each pipeline stage is importable on its own (see DESIGN.md):

>>> from analysis.corpora import load_corpus
>>> articles, report = load_corpus("sample")
"""

__version__ = "0.1.0"
