-- Businesses, programmes, enrolments, progress and award assessments (being built).
SELECT 1;
