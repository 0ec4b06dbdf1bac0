"""fingerspell: American Sign Language fingerspelling from MediaPipe landmarks to text."""
__version__ = "0.1.0"
