"""The lab's two string tables: en.py (named keys for long texts) and ko.py (every key in Korean)."""
