"""Hidden graders of Week 3. Never released: only the grading process reads them."""
