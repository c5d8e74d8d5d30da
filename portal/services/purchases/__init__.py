"""purchases"""
