"""People: customers (and loyalty), users and login, the shop profile."""
