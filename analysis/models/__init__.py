"""Models: documented simulations (every number they give is labelled simulated, with its seed).

One module per model: ``spinoff`` (spin-off and agglomeration), ``smallworld`` (the barter
small world), ``peoplelinks`` (people and links); ``published`` holds what the models' sources
say, as read. A new model goes here, in a module of its own.
"""
