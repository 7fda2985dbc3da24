"""Phase-field models (FiPy): ``dendrite`` (electrodeposition under VLCD); ``_fipy`` owns the import."""
