"""Services for the patient (invånare): their program, steps and forms, activities and account."""
