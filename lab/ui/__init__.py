"""The Gradio tabs: one module per tab, each `build(runner, owner) -> dict of components`.

Only this package and app.py import gradio; nothing here imports torch, transformers or peft.
"""
