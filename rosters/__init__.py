"""People, teams, agencies, facilitators and training; sign-in and shared plumbing."""
