"""The run loop: a driver that suggests and queues jobs, workers that claim and execute them.

The driver knows no algorithm (it asks ``hyperpower.optimize.Optimizer``) and no Keras (each job runs
in its own process through ``job_process``); it only moves ``Job`` records through the store.
"""
