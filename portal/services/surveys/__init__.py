"""Satisfaction surveys: invitations after a purchase or an event, answers and their points,
moderation of free text, follow-up cases for detractors, results and testimonials."""
