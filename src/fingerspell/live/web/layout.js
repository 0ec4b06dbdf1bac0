// The Kaggle layout of a landmark frame (fingerspell/layout.py, which tests/test_serve.py checks this against): face 468, left hand 21, pose 33,
// right hand 21; [start, count] per part. Loaded by the page (index.html) and by its workers (detector.js).
"use strict";

const PARTS = { face: [0, 468], left_hand: [468, 21], pose: [489, 33], right_hand: [522, 21] };
const LANDMARKS = 543;
