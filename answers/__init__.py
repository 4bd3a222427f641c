"""Operator's answers: product questions over consentry spans as the collector stores
them, on DuckDB (embedded) and ClickHouse (chDB in tests), and an offline HTML report.

    python3 -m answers report --input consentry-spans.jsonl --out report.html
"""
