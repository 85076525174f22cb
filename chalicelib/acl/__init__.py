"""Who may do what (access control): the policy, the facts it decides on, and the guards."""
