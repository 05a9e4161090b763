"""Local stand-ins for the services paperbot talks to: real servers on 127.0.0.1, port 0."""
