"""Referrals: a member's code and link, the friends attributed to them, and the bonuses a
friend's first qualifying purchase earns both of them once the return window has passed.

- codes.py: reading a code as people type it, finding its referrer;
- identity.py: email, phone and address compared the way the self-referral rules need;
- attribution.py: a friend attributed at registration or at the desk, with the guards;
- bonuses.py: qualification, cancellation by a return, release by `run-jobs`, the monthly cap;
- review.py: the held referrals staff approve or reject;
- overview.py and report.py: what a member and staff read.
"""
