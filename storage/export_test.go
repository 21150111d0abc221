package storage

// TextArray is textArray, for the external tests.
var TextArray = textArray
