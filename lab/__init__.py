"""Fine-Tuning Lab: the library behind the tabs. The UI lives in lab/ui; everything here is plain Python."""
