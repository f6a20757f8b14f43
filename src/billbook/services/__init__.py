"""Use cases. Each public function takes the Database and the acting user, checks the
permission, does its work in one transaction and returns plain dataclasses."""
